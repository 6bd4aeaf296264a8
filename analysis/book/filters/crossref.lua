-- Numbers headers, figures and tables as the renderer computed them (context.labels) and
-- turns @fig-/@tbl-/@sec- references into links reading "Figure 2.1", "Table 1.3", ...
package.path = PANDOC_SCRIPT_FILE:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local book = require("context")
local ctx = book.context
local labels = ctx.labels or {}
local NAMES = {fig = "Figure", tbl = "Table", sec = "Section", chapter = "Chapter",
  appendix = "Appendix"}

local function target(id)
  local label = labels[id]
  if book.html and label.page ~= ctx.page then
    return (ctx.root or "") .. label.page .. "#" .. id
  end
  return "#" .. id
end

function Cite(el)
  for _, citation in ipairs(el.citations) do
    if not labels[citation.id] then return nil end -- a bibliographic citation
  end
  local out = pandoc.Inlines{}
  for i, citation in ipairs(el.citations) do
    local label = labels[citation.id]
    if i > 1 then out:insert(pandoc.Str(", ")) end
    out:extend(citation.prefix)
    if #citation.prefix > 0 then out:insert(pandoc.Space()) end
    local text
    if label.number == "" then
      text = label.title
    elseif citation.mode == "SuppressAuthor" then
      text = label.number
    else
      text = NAMES[label.kind] .. "\u{a0}" .. label.number
    end
    out:insert(pandoc.Link(text, target(citation.id), "", pandoc.Attr("", {"cross-ref"})))
    out:extend(citation.suffix)
  end
  return out
end

function Header(el)
  local label = labels[el.identifier]
  if label and label.number ~= "" then
    el.content:insert(1, pandoc.Space())
    el.content:insert(1, pandoc.Span(label.number, pandoc.Attr("", {"header-section-number"})))
    return el
  end
end

function Figure(el)
  local label = labels[el.identifier]
  if not label or not NAMES[label.kind] then return nil end
  local prefix = pandoc.Span(NAMES[label.kind] .. "\u{a0}" .. label.number .. ": ",
    pandoc.Attr("", {"figure-number"}))
  local long = el.caption.long
  if #long == 0 then long = pandoc.Blocks{pandoc.Plain{}} end
  long[1].content:insert(1, prefix)
  el.caption.long = long
  if label.kind == "tbl" and el.t == "Figure" then el.classes:insert("table-figure") end
  return el
end

Table = Figure
