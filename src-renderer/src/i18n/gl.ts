// gl: the UI's strings, keyed by their English text (see index.ts).
const dict: Readonly<Record<string, string>> = {};
export default dict;
