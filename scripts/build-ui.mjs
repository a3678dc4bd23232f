// Builds the renderer: src/renderer/main.tsx → dist/ui/app.js + app.css (minified, linked source
// maps) and copies index.html next to them. `npm run build:ui`; exits non-zero on any error.
import { build } from 'esbuild'
import { copyFile, mkdir, rm, stat } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = join(root, 'dist', 'ui')

// zod's `z` namespace re-exports every locale (~260 KiB minified) and a namespace import cannot be
// tree-shaken. The UI shows the shared schemas' own English messages and never uses z.locales
// (English is registered by zod's schemas module itself), so that one re-export becomes empty.
const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup (b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}zod${sep}`) ? { path: 'zod-locales', namespace: 'empty-module' } : undefined)
    b.onLoad({ filter: /.*/, namespace: 'empty-module' }, () => ({ contents: 'export {}', loader: 'js' }))
  }
}

async function main () {
  // A clean folder, so a file removed from the renderer never lingers in the build.
  await rm(outdir, { recursive: true, force: true })
  await mkdir(outdir, { recursive: true })
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'src/renderer/main.tsx' },
    outdir,
    bundle: true,
    // A classic script (not a module): Electron loads the page from file://, where module
    // scripts are refused as cross-origin.
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    jsx: 'automatic',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [zodWithoutLocales],
    logLevel: 'warning'
  })
  await copyFile(join(root, 'src', 'renderer', 'index.html'), join(outdir, 'index.html'))
  for (const name of ['index.html', 'app.js', 'app.css', 'app.js.map']) {
    const { size } = await stat(join(outdir, name))
    console.log(`${relative(root, join(outdir, name)).padEnd(22)} ${(size / 1024).toFixed(1).padStart(8)} KiB`)
  }
}

main().catch((err) => {
  // esbuild has already printed its own diagnostics (err.errors); anything else is printed here.
  console.error(Array.isArray(err?.errors) ? `build:ui failed with ${err.errors.length} error(s), see above` : `build:ui failed: ${err?.stack ?? err}`)
  process.exit(1)
})
