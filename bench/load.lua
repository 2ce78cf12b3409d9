-- load.lua - wrk script for bench/load.sh: POST /image_similarity_search
-- with photos read from the files listed in $LOAD_LIST (one path per line),
-- each thread cycling through the list from its own offset, so every photo
-- (and every re-encoding of one) is sent many times by many connections at
-- once. Counts, over all threads: replies by status, "stored" replies
-- (duplicate_found false), "duplicate" replies, and anything else.

local boundary = "karat-load-8a7d3c"
local bodies = {}
local counter = 0
local threads = {}

local function read_all(path)
    local f = assert(io.open(path, "rb"))
    local data = f:read("*a")
    f:close()
    return data
end

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    for path in io.lines(os.getenv("LOAD_LIST")) do
        local name = path:match("([^/]+)$")
        bodies[#bodies + 1] = "--" .. boundary .. "\r\n" ..
            'Content-Disposition: form-data; name="file"; filename="' .. name .. '"\r\n' ..
            "Content-Type: image/jpeg\r\n\r\n" .. read_all(path) .. "\r\n--" .. boundary .. "--\r\n"
    end
    counter = id * 7919
    stored, dups, other, s2xx, s4xx, s5xx = 0, 0, 0, 0, 0, 0
    wrk.method = "POST"
    wrk.path = "/image_similarity_search"
    wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
end

function request()
    counter = counter + 1
    return wrk.format(nil, nil, nil, bodies[counter % #bodies + 1])
end

function response(status, headers, body)
    if status >= 500 then s5xx = s5xx + 1
    elseif status >= 400 then s4xx = s4xx + 1
    elseif status >= 200 and status < 300 then s2xx = s2xx + 1 end
    if body:find('"duplicate_found"%s*:%s*false') then stored = stored + 1
    elseif body:find('"duplicate_found"%s*:%s*true') then dups = dups + 1
    else other = other + 1 end
end

function done(summary, latency, requests)
    local t = {stored = 0, dups = 0, other = 0, s2xx = 0, s4xx = 0, s5xx = 0}
    for _, thread in ipairs(threads) do
        for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
    end
    io.write(string.format("load: requests=%d socket_errors=%d timeouts=%d\n", summary.requests,
        summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
    io.write(string.format("load: status_2xx=%d status_4xx=%d status_5xx=%d stored=%d duplicate=%d other=%d\n",
        t.s2xx, t.s4xx, t.s5xx, t.stored, t.dups, t.other))
end
