// Vite builds the player into dist/: hashed bundles under assets/ (served immutable by swaz)
// and an index.html that swaz answers for every client route.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { target: 'es2020', assetsDir: 'assets', sourcemap: false },
});
