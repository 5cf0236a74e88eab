-- wrk script of bench/api/run.sh: each request asks a random path of the file named by the
-- environment variable URLS (one path per line), on the host of wrk's URL. With IN_ORDER=1
-- the paths are asked in file order instead, cycling, thread k of wrk's -t N starting k/N of
-- the way in: once every thread asked #paths / N of them, every path was asked (to fill a
-- cache). Set WRK_THREADS to N (default 2). With PACE_MS=n each connection waits n ms after
-- each answer before its next request (an offered load below saturation; wrk's latency does
-- not count the wait).
local paths = {}
for line in io.lines(os.getenv("URLS")) do
    paths[#paths + 1] = line
end
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
local in_order = os.getenv("IN_ORDER") == "1"
local threads = tonumber(os.getenv("WRK_THREADS") or "2")
local next_path = 0
local counter = 0

setup = function(thread)
    thread:set("id", counter)
    counter = counter + 1
end

init = function(args)
    next_path = math.floor((id or 0) * #paths / threads)
end

request = function()
    if in_order then
        next_path = next_path % #paths + 1
        return wrk.format("GET", paths[next_path])
    end
    return wrk.format("GET", paths[math.random(#paths)])
end

local pace = tonumber(os.getenv("PACE_MS") or "")
if pace then
    -- Exponential waits of mean PACE_MS: the connections' requests form a Poisson stream
    -- instead of marching in step (a fixed wait keeps wrk's 64 first requests, all sent at
    -- once, together for the whole run).
    delay = function()
        return math.floor(-pace * math.log(1 - math.random()))
    end
end
