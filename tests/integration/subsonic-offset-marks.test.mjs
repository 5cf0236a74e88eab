// The Subsonic offset tests (subsonic-offsets.test.mjs) on a server that remembers where
// every second row of each list falls (--offset-mark-rows 2, library_marks.h): a page at an
// offset then starts from the mark before it, learnt on the way, and must answer exactly
// what walking the list from its start answers, before and after a scan moves the rows.

process.env.SWAZ_TEST_OFFSET_MARK_ROWS = '2';
await import('./subsonic-offsets.test.mjs');
