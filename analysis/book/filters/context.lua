-- Shared by the book's filters: the JSON context the renderer hands over in $BOOK_CONTEXT.
local M = {}
local path = os.getenv("BOOK_CONTEXT")
local handle = path and io.open(path, "r")
M.context = handle and pandoc.json.decode(handle:read("a"), false) or {}
if handle then handle:close() end
M.html = FORMAT:match("html") ~= nil
M.typst = FORMAT == "typst"

-- A Typst string literal.
function M.typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

return M
