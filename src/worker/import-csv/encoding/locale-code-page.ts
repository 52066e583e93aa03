/**
 * The code page Excel's "CSV" export writes for a user's locale: Windows' ANSI code page of the
 * language in its script (DESIGN §5.1). A prior for detection when the bytes do not decide.
 */
const LATIN_AND_OTHER_SCRIPTS: Record<string, string> = {
  ...spread('windows-1250', 'pl cs sk sl hu hr ro sq bs sr'),
  ...spread(
    'windows-1252',
    'en de fr es it pt nl da sv nb nn no fi is ca eu gl ga gd cy fo af id ms sw lb rm fy br oc co',
  ),
  ...spread('windows-1253', 'el'),
  ...spread('windows-1254', 'tr az uz'),
  ...spread('windows-1255', 'he yi'),
  ...spread('windows-1256', 'ar fa ur ps ku'),
  ...spread('windows-1257', 'lt lv et'),
  ...spread('windows-1258', 'vi'),
  ...spread('windows-874', 'th'),
  ...spread('shift_jis', 'ja'),
  ...spread('euc-kr', 'ko'),
};

/** The locale's code page as this service names it; undefined for an unknown or absent locale. */
export function codePageOfLocale(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  let locale: Intl.Locale;
  try {
    // Fills in the likely script: `sr` is Cyrillic, `sr-ME` Latin, `zh-TW` Traditional.
    locale = new Intl.Locale(tag).maximize();
  } catch {
    return undefined;
  }
  if (locale.script === 'Cyrl') return 'windows-1251';
  if (locale.language === 'zh') return locale.script === 'Hant' ? 'big5' : 'gb18030';
  return LATIN_AND_OTHER_SCRIPTS[locale.language];
}

function spread(codePage: string, languages: string): Record<string, string> {
  return Object.fromEntries(languages.split(' ').map((l) => [l, codePage]));
}
