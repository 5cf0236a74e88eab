-- 0003: internet radio stations, shared by every user; administrators manage them. A
-- station is a URL the client plays itself. Times are Unix seconds.
CREATE TABLE radio_stations (
    id             TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL,
    stream_url     TEXT NOT NULL,
    home_page_url  TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX radio_stations_name ON radio_stations (name, id);
