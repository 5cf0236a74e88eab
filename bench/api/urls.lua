-- wrk script of bench/api/run.sh: each request asks a random path of the file named by the
-- environment variable URLS (one path per line), on the host of wrk's URL.
local paths = {}
for line in io.lines(os.getenv("URLS")) do
    paths[#paths + 1] = line
end
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)

request = function()
    return wrk.format("GET", paths[math.random(#paths)])
end
