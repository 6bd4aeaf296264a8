-- Quarto callouts (::: {.callout-note} with an optional "## Title" or title="...").
package.path = PANDOC_SCRIPT_FILE:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local book = require("context")

local TITLES = {note = "Note", tip = "Tip", warning = "Warning", important = "Important",
  caution = "Caution"}
-- NHS identity colours: border, background.
local COLOURS = {note = {"#005EB8", "#E8F1FA"}, tip = {"#009639", "#E6F4EB"},
  warning = {"#FFB81C", "#FFF6E3"}, important = {"#DA291C", "#FBE9E8"},
  caution = {"#ED8B00", "#FDF1E3"}}

function Div(el)
  local kind
  for _, class in ipairs(el.classes) do
    kind = kind or class:match("^callout%-(%a+)$")
  end
  if not kind or not TITLES[kind] then return nil end
  local body = el.content
  local title
  if el.attributes.title then
    title = pandoc.utils.blocks_to_inlines(pandoc.read(el.attributes.title, "markdown").blocks)
  elseif body[1] and body[1].t == "Header" then
    title = body[1].content
    body = body:clone()
    body:remove(1)
  else
    title = pandoc.Inlines(TITLES[kind])
  end
  if book.typst then
    local border, fill = table.unpack(COLOURS[kind])
    local blocks = pandoc.Blocks{pandoc.RawBlock("typst", string.format(
      '#block(width: 100%%, fill: rgb("%s"), stroke: (left: 3pt + rgb("%s")), inset: 10pt, radius: 2pt)[',
      fill, border))}
    blocks:insert(pandoc.Para{pandoc.Strong(title)})
    blocks:extend(body)
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  end
  return pandoc.Div({
    pandoc.Div(pandoc.Plain(title), pandoc.Attr("", {"callout-title"})),
    pandoc.Div(body, pandoc.Attr("", {"callout-body"})),
  }, pandoc.Attr(el.identifier, {"callout", "callout-" .. kind}))
end
