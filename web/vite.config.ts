import { defineConfig } from 'vite';

// Preact through esbuild's automatic JSX runtime: no framework plugin needed.
// The built bundle goes to dist/, which is committed and embedded in the Go
// binary (web/embed.go) so that `go run ./cmd/tsunagu` needs no Node.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Stable names keep the committed bundle's diff readable.
    rollupOptions: { output: { entryFileNames: 'assets/app.js', assetFileNames: 'assets/[name][extname]' } },
  },
  server: { proxy: { '/api': { target: 'http://localhost:8080', ws: true } } },
});
