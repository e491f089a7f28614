/** Log: runs one command, appends one ewmda.command document, parses stack frames, refuses what would change the target. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { EmulatedDebugger } from "../../src/emulator";
import { extraBundle, loadExtra } from "../extra-bundle";
import { rowsOf } from "../helpers";
import { userTarget } from "../mocks/user-target";
import { expectValidDocument } from "../schema-check";

type Doc = Record<string, any>;

beforeAll(async () => { await extraBundle(); }, 120_000);

const ARGS = "00000000`00000000 00000000`00000001 00000000`00000000 00000000`00000000";
const TILDE_KV = [
  ".  0  Id: 1234.1a4 Suspend: 0 Teb: 00000047`a0000000 Unfrozen",
  " # Child-SP          RetAddr               : Args to Child                                                           : Call Site",
  `00 000000e8\`000ffc00 00007ff8\`000bb00e     : ${ARGS} : ntdll!NtWaitForSingleObject+0x14`,
  `01 000000e8\`000ffc40 00007ff6\`10001420     : ${ARGS} : kernelbase!WaitForSingleObjectEx+0x8e`,
  `02 000000e8\`000ffc80 00000000\`00000000     : ${ARGS} : app!worker+0x20 [c:\\src\\app.cpp @ 42]`,
  "",
  "   1  Id: 1234.2b0 Suspend: 0 Teb: 00000047`a0002000 Unfrozen \"spinner\"",
  " # Child-SP          RetAddr               : Args to Child                                                           : Call Site",
  `00 000000e8\`001ffd00 00007ff6\`10001180     : ${ARGS} : app+0x1234`,
  "01 (Inline Function) --------`--------     : --------`-------- --------`-------- --------`-------- --------`-------- : app!inlined+0x5",
  `02 000000e8\`001ffd40 00000000\`00000000     : ${ARGS} : 00007ff6\`10009999`,
];
const LM = ["start             end                 module name", "00007ff6`10000000 00007ff6`10020000   app        (deferred)", "00007ff8`00000000 00007ff8`001f0000   ntdll      (deferred)"];

function target() {
  return userTarget()
    .thread({ tid: 0x1a4 }).thread({ tid: 0x2b0, name: "spinner" })
    .command("~*kv", TILDE_KV).command("lm", LM).command(".ecxr", ["rax=0000000000000000 rbx=0000000000000000"])
    .command("kn", ["Unable to get the stack: the context is not in the dump"])
    .build();
}

function logFile(dbg: EmulatedDebugger, winPath = "C:\\temp\\ewmda-commands.jsonl"): Doc[] {
  const p = dbg.fileSystem.hostPath(winPath);
  return readFileSync(p, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

describe("Log of a stack command", () => {
  it("appends one valid command document with the output, the context and every frame of ~*kv", () => {
    const { dbg } = loadExtra(target().spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Log(\"~*kv\")"));
    const docs = logFile(dbg);
    expect(docs).toHaveLength(1);
    const doc = docs[0]!;
    expectValidDocument(doc);
    expect(doc).toMatchObject({
      schema: "ewmda.command", schemaVersion: 1, command: "~*kv", status: "ok", error: null, lineCount: TILDE_KV.length, truncated: false, output: TILDE_KV,
      context: { processId: 0x1234, threadId: 0x1a4, frame: null },
      target: { kind: "user", dumpFile: "C:\\dumps\\app.dmp", processId: 0x1234, processName: "app.exe", pointerSize: 8, arch: "x64", osBuild: 19045 },
    });
    expect(doc.stacks.map((s: Doc) => s.thread)).toEqual([
      { index: 0, processId: 0x1234, threadId: 0x1a4, object: null },
      { index: 1, processId: 0x1234, threadId: 0x2b0, object: null },
    ]);
    expect(doc.stacks[0].frames[0]).toEqual({
      frame: 0, childSp: "0xe8000ffc00", returnAddress: "0x7ff8000bb00e", module: "ntdll", function: "NtWaitForSingleObject", offset: "0x14",
      address: null, callSite: "ntdll!NtWaitForSingleObject+0x14", inline: false, sourceLine: null,
    });
    expect(doc.stacks[0].frames[2]).toMatchObject({ frame: 2, returnAddress: "0x0", module: "app", function: "worker", offset: "0x20", sourceLine: "c:\\src\\app.cpp @ 42" });
    expect(doc.stacks[1].frames.map((f: Doc) => [f.module, f.function, f.offset, f.address, f.inline, f.childSp])).toEqual([
      ["app", null, "0x1234", null, false, "0xe8001ffd00"],
      ["app", "inlined", "0x5", null, true, null],
      [null, null, null, "0x7ff610009999", false, "0xe8001ffd40"],
    ]);
    // The dx rows: where it went, then one row per frame.
    expect(rows[0]).toMatchObject({ Kind: "Logged", File: "C:\\temp\\ewmda-commands.jsonl", Id: doc.id, Verdict: "Info", Source: "command" });
    expect(String(rows[0]!.Text)).toMatch(/^logged ~\*kv \(11 lines, 6 frame\(s\) in 2 stack\(s\), \d+ ms\) to C:\\temp\\ewmda-commands\.jsonl as document [0-9a-f]{16}$/);
    const frames = rows.filter((r) => r.Kind === "Frame");
    expect(frames.map((r) => [Number(r.Thread), r.Frame, r.Module, r.Function])).toEqual([
      [0x1a4, 0, "ntdll", "NtWaitForSingleObject"], [0x1a4, 1, "kernelbase", "WaitForSingleObjectEx"], [0x1a4, 2, "app", "worker"],
      [0x2b0, 0, "app", undefined], [0x2b0, 1, "app", "inlined"], [0x2b0, 2, undefined, undefined],
    ]);
    expect(Number(frames[0]!.ChildSP)).toBe(0xe8000ffc00);
  });

  it("parses a plain k of the current thread (no thread header) as that thread's stack, x86 layout", () => {
    const t = userTarget({ arch: "x86" }).thread({ tid: 0x44 })
      .command("kv", [
        " # ChildEBP RetAddr  Args to Child              ",
        "00 0019ff3c 00401234 00000000 00000001 0019ff80 ntdll!NtWaitForSingleObject+0xc (FPO: [3,0,0])",
        "01 0019ff80 76fe6a14 0019ff94 00000000 00000000 app!main+0x2e",
      ]).build();
    const { dbg } = loadExtra(t.spec);
    dbg.dx("Debugger.Utility.Ewmda.Log(\"kv\")");
    const doc = logFile(dbg)[0]!;
    expectValidDocument(doc);
    expect(doc.target).toMatchObject({ arch: "x86", pointerSize: 4 });
    expect(doc.stacks).toHaveLength(1);
    expect(doc.stacks[0].thread).toEqual({ index: null, processId: 0x1234, threadId: 0x44, object: null });
    expect(doc.stacks[0].frames.map((f: Doc) => [f.frame, f.childSp, f.returnAddress, f.module, f.function, f.offset])).toEqual([
      [0, "0x19ff3c", "0x401234", "ntdll", "NtWaitForSingleObject", "0xc"],
      [1, "0x19ff80", "0x76fe6a14", "app", "main", "0x2e"],
    ]);
  });

  it("keeps a stack command whose output has no frames as text (stacks empty, lines as rows)", () => {
    const { dbg } = loadExtra(target().spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Log(\"kn\")"));
    const doc = logFile(dbg)[0]!;
    expectValidDocument(doc);
    expect(doc.stacks).toEqual([]);
    expect(rows.map((r) => r.Kind)).toEqual(["Logged", "Line"]);
    expect(rows[1]!.Text).toBe("Unable to get the stack: the context is not in the dump");
  });
});

describe("Log of other commands", () => {
  it("keeps every output line, no stacks, and prints the output with where it went in the ! face", () => {
    const { dbg } = loadExtra(target().spec);
    const out = dbg.execute("!ewmda.log \"lm\"");
    expect(out.slice(0, LM.length)).toEqual(LM);
    expect(out[LM.length]).toMatch(/^ewmda: logged lm \(3 lines, \d+ ms\) to C:\\temp\\ewmda-commands\.jsonl as document [0-9a-f]{16}$/);
    const doc = logFile(dbg)[0]!;
    expectValidDocument(doc);
    expect(doc).toMatchObject({ command: "lm", output: LM, lineCount: 3, stacks: null });
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Log(\"lm\")"));
    expect(rows.slice(1).map((r) => [r.Kind, r.Line, r.Text])).toEqual(LM.map((l, i) => ["Line", i, l]));
  });

  it("gives the same id to the same command, output and context, and appends without touching earlier lines", () => {
    const { dbg } = loadExtra(target().spec);
    dbg.dx("Debugger.Utility.Ewmda.Log(\"lm\")");
    const first = readFileSync(dbg.fileSystem.hostPath("C:\\temp\\ewmda-commands.jsonl"), "utf8");
    dbg.dx("Debugger.Utility.Ewmda.Log(\"~*kv\")");
    dbg.dx("Debugger.Utility.Ewmda.Log(\"lm\")");
    const text = readFileSync(dbg.fileSystem.hostPath("C:\\temp\\ewmda-commands.jsonl"), "utf8");
    expect(text.startsWith(first)).toBe(true);
    expect(text.endsWith("\n")).toBe(true);
    const docs = text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
    expect(docs.map((d) => d.command)).toEqual(["lm", "~*kv", "lm"]);
    docs.forEach(expectValidDocument);
    expect(docs[2].id).toBe(docs[0].id);
    expect(docs[1].id).not.toBe(docs[0].id);
    // Another thread is another context: another id for the same command and output.
    dbg.dx("@$curprocess.Threads[0x2b0].SwitchTo()");
    dbg.dx("Debugger.Utility.Ewmda.Log(\"lm\")");
    const last = logFile(dbg).pop()!;
    expect(last.context.threadId).toBe(0x2b0);
    expect(last.id).not.toBe(docs[0].id);
  });

  it("records a command the debugger cannot run as an error document", () => {
    const { dbg } = loadExtra(target().spec);
    const rows = rowsOf(dbg.dx("Debugger.Utility.Ewmda.Log(\"vertarget\")"));
    const doc = logFile(dbg)[0]!;
    expectValidDocument(doc);
    expect(doc).toMatchObject({ status: "error", output: [], lineCount: 0, stacks: null });
    expect(doc.error).toMatch(/no output for the command 'vertarget'/);
    expect(String(rows[0]!.Text)).toMatch(/^vertarget failed: .*; logged vertarget/);
  });

  it("logs view commands (.ecxr) as their own documents", () => {
    const { dbg } = loadExtra(target().spec);
    dbg.dx("Debugger.Utility.Ewmda.Log(\".ecxr\")");
    expect(logFile(dbg)[0]).toMatchObject({ command: ".ecxr", status: "ok", output: ["rax=0000000000000000 rbx=0000000000000000"] });
  });

  it("writes to the file given, with spaces and non-ASCII characters, or to Config.Log.File", () => {
    const { dbg } = loadExtra(target().spec);
    const file = "C:\\Case Files\\Dämpfer 日本\\commands.jsonl";
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.Log("lm", "${file.replace(/\\/g, "\\\\")}")`));
    expect(rows[0]!.File).toBe(file);
    expect(logFile(dbg, file)[0]).toMatchObject({ command: "lm" });
    dbg.dx("Debugger.Utility.Ewmda.Config.Log.File = \"C:\\\\logs\\\\mine.jsonl\"");
    dbg.dx("Debugger.Utility.Ewmda.Log(\"lm\")");
    expect(logFile(dbg, "C:\\logs\\mine.jsonl")).toHaveLength(1);
    expect(existsSync(dbg.fileSystem.hostPath("C:\\temp\\ewmda-commands.jsonl"))).toBe(false);
  });

  it("ends a last line an interrupted write left open before appending", () => {
    const { dbg } = loadExtra(target().spec);
    const p = dbg.fileSystem.hostPath("C:\\temp\\ewmda-commands.jsonl");
    dbg.dx("Debugger.Utility.Ewmda.Log(\"lm\")");
    writeFileSync(p, readFileSync(p, "utf8") + "{\"schema\":\"ewmda.command\",\"trunc");
    dbg.dx("Debugger.Utility.Ewmda.Log(\"lm\")");
    const lines = readFileSync(p, "utf8").split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe("{\"schema\":\"ewmda.command\",\"trunc");
    expect(JSON.parse(lines[2]!).command).toBe("lm");
    expect(lines[3]).toBe("");
  });
});

describe("Log refuses", () => {
  const refused: [string, RegExp][] = [
    ["g", /"g" resumes or ends the target/],
    ["gc", /resumes/],
    ["p", /resumes/],
    ["t", /resumes/],
    ["q", /resumes or ends/],
    [".kill", /\.kill resumes, ends or changes the target/],
    [".restart", /changes the target/],
    [".detach", /changes the target/],
    ["eb 00007ff6`10001000 90", /"eb" writes memory/],
    ["ed @rsp 0", /writes memory/],
    ["f 0x1000 L10 0", /writes memory/],
    ["r rip=0", /writes a register/],
    ["bp ntdll!NtWaitForSingleObject", /breakpoints/],
    ["kv; g", /";" separates commands/],
    ["~*e g", /resumes/],
    ["~3 p", /resumes/],
    ["~1f", /freezes/],
    [".block { g }", /\.block runs other commands/],
    [".foreach (x {~}) {g}", /runs other commands/],
    ["$$>a< C:\\scripts\\go.txt", /script files/],
    [".shell dir", /shell/],
    ["!!dir", /shell/],
    ["as go g", /defines aliases/],
    ["${go}", /aliases/],
    ["dx Debugger.Utility.Control.ExecuteCommand(\"g\")", /ExecuteCommand/],
    ["dx @$curthread.Registers.User.rip = 0", /assigns/],
    ["?? (*(int*)0x1000 = 5)", /assigns or increments/],
    ["!ewmda.log \"g\"", /cannot log itself/],
  ];

  it.each(refused)("%s, with a clear message and without running anything", (command, why) => {
    const { dbg } = loadExtra(target().spec);
    const before = dbg.commandLog.length;
    const escaped = command.replace(/\\/g, "\\\\").replace(/"/g, "\\\"");
    const rows = rowsOf(dbg.dx(`Debugger.Utility.Ewmda.Log("${escaped}")`));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Kind: "Refused", Verdict: "Info" });
    expect(String(rows[0]!.Evidence)).toMatch(why);
    // Only the script's own `dx @$ewmda = ...` may have run meanwhile.
    expect(dbg.commandLog.slice(before).filter((c) => !c.startsWith("dx @$ewmda = "))).toEqual([]);
    expect(existsSync(dbg.fileSystem.hostPath("C:\\temp\\ewmda-commands.jsonl"))).toBe(false);
  });

  it("answers a missing command with how to call it, in dx and in the ! face", () => {
    const { dbg } = loadExtra(target().spec);
    expect(String(rowsOf(dbg.dx("Debugger.Utility.Ewmda.Log()"))[0]!.Evidence)).toMatch(/^give the command to run and log, in quotes/);
    expect(dbg.execute("!ewmda_log").join("\n")).toMatch(/Info: give the command to run and log/);
  });
});
