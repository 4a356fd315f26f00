// Writes openapi/openapi.json from the contract (`npm run gen`); the drift test compares against it.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { documentText, emitDocument } from './index.ts'

export const openapiPath = fileURLToPath(new URL('./openapi.json', import.meta.url))

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(openapiPath, documentText(emitDocument()))
  console.log(`wrote ${openapiPath}`)
}
