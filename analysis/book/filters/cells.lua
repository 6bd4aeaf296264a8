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
    -- full width, unless the renderer capped a tall figure's height (pdf.cap_figure_heights)
    local height = el.attributes["height"]
    local args = book.typst_string(el.src) .. (height and (", height: " .. height) or ", width: 100%")
    if alt then args = args .. ", alt: " .. book.typst_string(alt) end
    return pandoc.RawInline("typst", "#image(" .. args .. ")")
  end
end

-- A table longer than this may run over pages in the PDF.
LONG_TABLE_ROWS = 40

-- A cell that reads as a number (1,234 / -0.5 / 12.3% / 7.1e-15 / 345–372); "" for a
-- cell that says nothing either way (empty, a dash, [c]).
local function cell_kind(cell)
  local text = pandoc.utils.stringify(cell.contents):gsub("%s", "")
  text = text:gsub("\u{2212}", "-"):gsub("\u{2013}", "-")
  if text == "" or text == "-" or text == "[c]" then return "" end
  if text:match("^[-+]?[%d.,]+[eE]?[-+]?%d*%%?$") or text:match("^[-+]?[%d.,]+%-[-+]?[%d.,]+$") then
    return "number"
  end
  return "text"
end

-- Columns of numbers align right, the others left (the HTML reader leaves them centred).
local function align_columns(t)
  local text = {}
  for _, body in ipairs(t.bodies) do
    for _, row in ipairs(body.body) do
      local column = 1
      for _, cell in ipairs(row.cells) do
        if cell_kind(cell) == "text" and cell.col_span == 1 then text[column] = true end
        column = column + cell.col_span
      end
    end
  end
  for i, spec in ipairs(t.colspecs) do
    t.colspecs[i] = {text[i] and "AlignLeft" or "AlignRight", spec[2]}
  end
  -- a row-group heading or note spanning the whole table reads from the left
  local function left_if_spanning(row)
    for _, cell in ipairs(row.cells) do
      if cell.col_span == #t.colspecs then cell.alignment = "AlignLeft" end
    end
  end
  for _, body in ipairs(t.bodies) do body.body:map(left_if_spanning) end
  t.foot.rows:map(left_if_spanning)
  return t
end

-- The table's footer (great-tables' source notes) as a note under it: in the table, a
-- cell spanning every column would widen the last column to fit its text, and repeat on
-- every page the table runs over.
local function take_note(t)
  local note = pandoc.Blocks{}
  for _, row in ipairs(t.foot.rows) do
    for _, cell in ipairs(row.cells) do note:extend(cell.contents) end
  end
  t.foot = pandoc.TableFoot()
  if #note == 0 then return note end
  return pandoc.Blocks{pandoc.RawBlock("typst", "#table-note["), pandoc.Div(note),
    pandoc.RawBlock("typst", "]")}
end

-- In Typst, HTML output (great-tables, pandas) becomes real tables.
function RawBlock(el)
  if not book.typst or el.format ~= "html" then return nil end
  local blocks = pandoc.Blocks{}
  pandoc.read(el.text, "html").blocks:walk{
    Table = function(t)
      local note = take_note(t)
      blocks:insert(align_columns(t))
      blocks:extend(note)
    end,
  }
  return blocks
end

function Div(el)
  if not el.identifier:match("^tbl%-") then return nil end
  local last = el.content[#el.content]
  if not (last and last.t == "Div" and last.classes:includes("table-caption")) then return nil end
  local body = pandoc.Blocks{}
  for i = 1, #el.content - 1 do body:insert(el.content[i]) end
  if body[1] and body[1].t == "Table" and (#body == 1 or body[2].t == "RawBlock") then
    -- Typst: the table itself carries the caption; its note (take_note) follows it. Caption,
    -- table and note stay on one page unless the table is too long for one.
    local rows = 0
    for _, b in ipairs(body[1].bodies) do rows = rows + #b.body end
    body[1].identifier = el.identifier
    body[1].caption = {long = last.content}
    local breakable = rows > LONG_TABLE_ROWS and "true" or "false"
    body:insert(1, pandoc.RawBlock("typst", "#block(breakable: " .. breakable .. ")["))
    body:insert(pandoc.RawBlock("typst", "]"))
    return body
  end
  return pandoc.Figure(body, {long = last.content}, pandoc.Attr(el.identifier, {"table-figure"}))
end
