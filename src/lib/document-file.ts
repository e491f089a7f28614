/**
 * Export documents appended to a JSON-lines file through `Debugger.Utility.FileSystem` (reference §6.9),
 * so that logs, exports and snapshots of many sessions accumulate in one file that never gets corrupted:
 * - every document is one line of pure ASCII JSON (characters past 0x7e as \u escapes), written with one
 *   Write call, so a line is either complete or, if the disk fails mid-write, the last one;
 * - writing starts after the file's last byte (never over it); when the file does not end with a line
 *   end (an earlier write was interrupted), one is written first, so the new lines are whole;
 * - the file is closed even when writing fails.
 * Readers skip blank lines and report (not guess at) a line that is not JSON.
 */
import { asciiJson } from "./table-export";
import { toNumber } from "./int64";
import { errorMessage } from "./values";

export interface Written {
  readonly path: string;
  readonly documents: number;
  /** True when the file existed and the documents were added after its content. */
  readonly appended: boolean;
}

function fileSystem(): DbgModel.FileSystemNs {
  return host.namespace.Debugger.Utility.FileSystem;
}

/**
 * `<temp>\<name>`: the file in the debugger's temp directory (FileSystem.TempDirectory), else in the
 * current directory. A Directory's `Path` is not documented, so without it the file is opened (or created
 * empty) through the Directory and its own `Path` is taken.
 */
export function defaultPath(name: string): string {
  let fs: DbgModel.FileSystemNs;
  try { fs = fileSystem(); } catch (e) { return name; }
  const dirs: (() => DbgModel.Directory)[] = [() => fs.TempDirectory, () => fs.CurrentDirectory];
  for (const get of dirs) {
    try {
      const dir = get() as DbgModel.Directory & { Path?: unknown };
      if (typeof dir.Path === "string" && dir.Path !== "") return dir.Path.replace(/[\\/]+$/, "") + "\\" + name;
      let file: DbgModel.File;
      try { file = dir.CreateFile(name, "OpenExisting"); } catch (e) { file = dir.CreateFile(name, "CreateNew"); }
      const path = String(file.Path);
      try { file.Close(); } catch (e) { /* only the path was needed */ }
      if (path !== "") return path;
    } catch (e) { /* try the next directory */ }
  }
  return name;
}

/** The path to write to: the given one, else the setting, else the default file in the temp directory. */
export function choosePath(given: unknown, setting: string, defaultName: string): string | undefined {
  if (given !== undefined && given !== null) {
    const p = String(given).trim();
    return p === "" ? undefined : p;
  }
  return setting.trim() !== "" ? setting.trim() : defaultPath(defaultName);
}

/** Size of an existing file and whether it ends with a line end (undefined: the last byte could not be read). */
function tail(fs: DbgModel.FileSystemNs, path: string): { size: number; endsWithNewline: boolean | undefined } {
  let file: DbgModel.File | undefined;
  try {
    file = fs.OpenFile(path);
    const size = toNumber(file.Size);
    if (!(size > 0)) return { size: 0, endsWithNewline: true };
    let last: boolean | undefined;
    try {
      file.Position = size - 1;
      for (const b of file.ReadBytes(1) as unknown as Iterable<unknown>) last = Number(b) === 0x0a;
    } catch (e) { last = undefined; }
    return { size, endsWithNewline: last };
  } finally {
    if (file) { try { file.Close(); } catch (e) { /* reading is done either way */ } }
  }
}

/** Appends documents, one JSON line each; a message instead when nothing could be written. */
export function appendDocuments(path: string, documents: readonly object[]): Written | string {
  let fs: DbgModel.FileSystemNs;
  try {
    fs = fileSystem();
  } catch (e) {
    return "Debugger.Utility.FileSystem is not available: " + errorMessage(e);
  }
  // Serialize first: a document that cannot be serialized must not leave half a batch in the file.
  let lines: string[];
  try {
    lines = documents.map((d) => asciiJson(d));
  } catch (e) {
    return "the documents could not be serialized: " + errorMessage(e);
  }
  let exists = false;
  try { exists = fs.FileExists(path) === true; } catch (e) { exists = false; }
  let start = { size: 0, endsWithNewline: true as boolean | undefined };
  if (exists) {
    try {
      start = tail(fs, path);
    } catch (e) {
      return "cannot read " + path + " to append to it: " + errorMessage(e);
    }
  }
  let file: DbgModel.File | undefined;
  let written = 0;
  try {
    try {
      file = fs.CreateFile(path, exists ? "OpenExisting" : "CreateNew");
    } catch (e) {
      // Created meanwhile by someone else, or an existing file FileExists did not see: open it instead.
      if (exists) throw e;
      file = fs.CreateFile(path, "OpenExisting");
      start = tail(fs, path);
    }
    // Writers write at the file's position: start after the last byte.
    if (start.size > 0) file.Position = start.size;
    const writer = fs.CreateTextWriter(file, "Ascii");
    // A last line left without its end (an interrupted write), or one we could not check: end it first.
    if (start.size > 0 && start.endsWithNewline !== true) writer.Write("\n");
    for (const line of lines) {
      writer.Write(line + "\n");
      written++;
    }
  } catch (e) {
    return "writing " + path + " failed after " + written + " of " + lines.length + " documents: " + errorMessage(e) +
      (written === 0 && !exists ? " (does the folder exist?)" : "");
  } finally {
    if (file) { try { file.Close(); } catch (e) { /* the write error, if any, is what matters */ } }
  }
  return { path, documents: written, appended: exists && start.size > 0 };
}
