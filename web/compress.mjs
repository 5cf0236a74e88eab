// compress.mjs - writes a gzip (-9) copy beside every text file Vite put in dist/, so swaz can
// send the smaller one to browsers that accept gzip (it has no compressor of its own).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = path.join(path.dirname(new URL(import.meta.url).pathname), 'dist');
const TEXT = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/;

function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (TEXT.test(e.name)) {
      const data = fs.readFileSync(p);
      const gz = zlib.gzipSync(data, { level: 9 });
      if (gz.length < data.length) fs.writeFileSync(p + '.gz', gz);
    }
  }
}
walk(dist);
