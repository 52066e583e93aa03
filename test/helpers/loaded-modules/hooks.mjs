// Module hooks (node:module register) that append each URL Node loads to a file, synchronously,
// so the list is complete whenever the process ends.
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
