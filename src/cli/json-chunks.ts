// `--json` output written in pieces: exactly the bytes of `JSON.stringify(value, null, 2)`, but objects are
// serialised one property and arrays one element at a time and handed out in chunks of about 64 KB, so a
// 150,000-row plan never exists as one 100 MB string (stdout to a pipe or file is synchronous on Linux: no
// backlog). An array's element — a row of a plan or a job, a job of a list — is stringified whole by
// JSON.stringify: walking every row's every value here allocated ten times what the text weighs.
const CHUNK = 64 * 1024;

export function writeJsonChunks(value: unknown, write: (chunk: string) => void): void {
  let buffer = "";
  const emit = (text: string) => {
    buffer += text;
    if (buffer.length >= CHUNK) {
      write(buffer);
      buffer = "";
    }
  };
  serialise(value, "", emit);
  if (buffer) write(buffer);
}

/** Values and array elements are stringified whole; objects and arrays are walked so no text is held twice. */
function serialise(value: unknown, indent: string, emit: (text: string) => void): void {
  const plain = toJsonValue(value);
  if (plain === null || typeof plain !== "object") {
    emit(JSON.stringify(plain) ?? "null");
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(plain)) {
    if (plain.length === 0) {
      emit("[]");
      return;
    }
    emit("[");
    plain.forEach((item, i) => {
      emit(`${i ? "," : ""}\n${inner}`);
      // JSON.stringify writes undefined, functions and symbols in arrays as null.
      const element = toJsonValue(item);
      if (element === undefined || typeof element === "function" || typeof element === "symbol") emit("null");
      // JSON.stringify's own line breaks are the only ones in its text (a line break in a string is
      // written \n): indented by this level, it is byte for byte the same as the whole document's.
      else emit(JSON.stringify(element, null, 2).replaceAll("\n", `\n${inner}`));
    });
    emit(`\n${indent}]`);
    return;
  }
  const entries = Object.entries(plain).filter(([, v]) => {
    const j = toJsonValue(v);
    return j !== undefined && typeof j !== "function" && typeof j !== "symbol";
  });
  if (entries.length === 0) {
    emit("{}");
    return;
  }
  emit("{");
  entries.forEach(([key, v], i) => {
    emit(`${i ? "," : ""}\n${inner}${JSON.stringify(key)}: `);
    serialise(v, inner, emit);
  });
  emit(`\n${indent}}`);
}

/** What JSON.stringify would serialise in place of `value` (toJSON, boxed primitives). */
function toJsonValue(value: unknown): unknown {
  if (value !== null && typeof value === "object") {
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === "function") return withToJson.toJSON();
    if (value instanceof Number || value instanceof String || value instanceof Boolean)
      return value.valueOf();
  }
  return value;
}
