// `node --import <this file>`: records every module loaded from here on in LOADED_MODULES_FILE.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url, { data: { file: process.env.LOADED_MODULES_FILE } });
