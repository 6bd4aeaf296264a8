-- Code cells and their outputs: folded code, figure alt text and paths, HTML tables in
-- Typst, and captioned tables (a #tbl- div whose last child is the caption).
package.path = PANDOC_SCRIPT_FILE:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local book = require("context")
local ctx = book.context

local function escape_html(text)
  return (text:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

function CodeBlock(el)
  if not el.classes:includes("cell-code") then return nil end
  local fold, summary = el.attributes.fold, el.attributes.summary or "Code"
  el.attributes.fold, el.attributes.summary = nil, nil
  if not book.html then
    if ctx.echo == false then return {} end
    return el
  end
  if fold == "false" or fold == nil then return el end
  local open = fold == "show" and " open" or ""
  return {
    pandoc.RawBlock("html", '<details class="code-fold"' .. open .. "><summary>" ..
      escape_html(summary) .. "</summary>"),
    el,
    pandoc.RawBlock("html", "</details>"),
  }
end

function Image(el)
  local alt = el.attributes["fig-alt"]
  el.attributes["fig-alt"] = nil
  local local_file = not el.src:match("^%a[%w+.-]*:") and not el.src:match("^/")
  if book.html then
    if local_file then el.src = (ctx.root or "") .. el.src end
    if alt then el.caption = pandoc.Inlines(alt) end
    return el
  end
  if book.typst then
    local args = book.typst_string(el.src) .. ", width: 100%"
    if alt then args = args .. ", alt: " .. book.typst_string(alt) end
    return pandoc.RawInline("typst", "#image(" .. args .. ")")
  end
end

-- In Typst, HTML output (great-tables, pandas) becomes real tables.
function RawBlock(el)
  if not book.typst or el.format ~= "html" then return nil end
  local tables = pandoc.Blocks{}
  pandoc.read(el.text, "html").blocks:walk{
    Table = function(t) tables:insert(t) end,
  }
  return tables
end

function Div(el)
  if not el.identifier:match("^tbl%-") then return nil end
  local last = el.content[#el.content]
  if not (last and last.t == "Div" and last.classes:includes("table-caption")) then return nil end
  local body = pandoc.Blocks{}
  for i = 1, #el.content - 1 do body:insert(el.content[i]) end
  if #body == 1 and body[1].t == "Table" then -- Typst: the table itself carries the caption
    body[1].identifier = el.identifier
    body[1].caption = {long = last.content}
    return body[1]
  end
  return pandoc.Figure(body, {long = last.content}, pandoc.Attr(el.identifier, {"table-figure"}))
end
