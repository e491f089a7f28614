/** The command log's guard: what may run, what is refused and why, and which commands print stacks. */
import { describe, expect, it } from "vitest";
import { hasAssignment, isStackCommand, printsParameters, refusal } from "../../src/lib/command-guard";

describe("refusal", () => {
  it.each([
    "k", "kv", "kn 100", "kP", "~*kv", "~*e kn", "~3s", "~~[1a4]s", "~", "|", "|.", "|1s", "||0s", ".ecxr", ".cxr 0x000000e8`0010f000", ".cxr",
    ".thread /r /p ffffe001`23456080", ".frame 3", ".effmach x86", "lm", "lmvm ntdll", "!analyze -v", "!handle 0 0", "!gflag", "!htrace",
    "!uniqstack", "!process 0 7", "!runaway 7", "dt ntdll!_PEB @$peb", "dps @rsp L20", "u @rip", "x ntdll!Nt*", "? 1+1", "?? sizeof(int)",
    "r", "r rax", ".echo hello", "$$ a comment", "* a comment", "bl", "dx @$curprocess.Threads.Where(t => t.Id == 0x1a4)",
    "dx new { A = 1, B = @$curthread.Id }", "dx -g @$ewmda.Triage()", "!ewmda.triage", ".exr -1", ".lastevent", "s -d 0 L?80000000 41414141",
    "sx", "sxe av", "sxd -h ld",
  ])("lets %s run", (c) => {
    expect(refusal(c)).toBeUndefined();
  });

  it.each([
    ["g", /resumes or ends the target/], ["G", /resumes/], ["g=00401000", /resumes/], ["gu", /resumes/], ["gh", /resumes/], ["gn", /resumes/],
    ["p 5", /resumes/], ["pa 0x401000", /resumes/], ["t", /resumes/], ["ta 0x401000", /resumes/], ["tt", /resumes/], ["wt", /resumes/],
    ["qd", /ends/], ["qq", /ends/], [".kill", /changes the target/], [".restart /f", /changes the target/], [".detach", /changes/], [".abandon", /changes/],
    [".crash", /changes/], [".reboot", /changes/], [".opendump c:\\x.dmp", /changes/], [".call app!main()", /changes/],
    ["eb 0x1000 90", /writes memory/], ["eq rsp 0", /writes memory/], ["eza 0x1000 \"x\"", /writes memory/], ["f 0x1000 L4 0", /writes memory/],
    ["m 0x1000 L4 0x2000", /writes memory/], ["a 0x1000", /writes memory/], ["r rax=1", /writes a register/], ["r @$t0 = 5", /writes a register/],
    ["ob 80 1", /I\/O ports/], ["wrmsr 0xc0000080 0", /MSRs/], ["bp app!main", /breakpoints/], ["bc *", /breakpoints/], ["ba r4 0x1000", /breakpoints/],
    ["k; g", /separates commands/], ["kv\ng", /line break/], [".printf \"a;b\"", /separates commands/], [".block { k }", /runs other commands/],
    [".if (1) { g }", /runs other commands/], [".foreach (t { ~ }) { k }", /runs other commands/], ["j 1 'g' ; 'k'", /separates/], ["j 1 'g'", /runs other commands/],
    ["z (1) k", /runs other commands/], ["$<c:\\x.txt", /script files/], ["$$><c:\\x.txt", /script files/], ["$$>a< c:\\x.txt 1", /script files/],
    [".shell -ci \"k\" findstr x", /shell/], ["!!dir", /shell/], [".load c:\\evil.dll", /loads or runs code/], [".scriptrun c:\\x.js", /loads or runs code/],
    [".pcmd -s \"g\"", /every prompt/], ["as x g", /aliases/], ["aS x g", /aliases/], ["ad *", /aliases/], ["${x}", /aliases/], ["$u0", /aliases/],
    ["~*e g", /resumes/], ["~* g", /resumes/], ["~1 p", /resumes/], ["~2f", /freezes/], ["~2u", /freezes/], ["~2n", /suspends/], ["~2m", /resumes threads/],
    ["~*eb 0x1000 0", /writes memory|breakpoints/], ["~*e ~*e g", /resumes/], ["|1 g", /resumes/],
    ["dx Debugger.Utility.Control.ExecuteCommand(\"g\")", /ExecuteCommand/], ["dx @$x = 5", /assigns/], ["dx new { A = (*(int*)0x1000 = 5) }", /assigns/],
    ["dx @$ewmda.Log(\"k\")", /command log itself/], ["?? x = 5", /assigns/], ["?? i++", /increments/],
    ["!ewmda.log \"k\"", /itself/], ["!ewmda_log \"k\"", /itself/], ["!gflag +ust", /global flags/], ["!htrace -enable", /handle tracing/], ["!bpid 0x1234", /resumes/],
    ["sxe -c \"kv\" av", /run by themselves at an event/], ["sxe -c2 \"k\" av", /at an event/], ["sx -c \"g\" ld", /at an event/],
    [".ocommand ewmda:", /commands the target prints/],
    [".closehandle 4", /changes the target/], [".server tcp:port=5005", /opens the session/], ["", /no command/], ["   ", /no command/],
  ])("refuses %s", (c, why) => {
    const r = refusal(c);
    expect(r).toBeDefined();
    expect(r).toMatch(why);
  });
});

describe("hasAssignment", () => {
  it("tells assignments from comparisons, lambdas, strings and object initializers", () => {
    expect(hasAssignment("@$x = 1")).toBe(true);
    expect(hasAssignment("a == b && c != d && e <= f && g >= h")).toBe(false);
    expect(hasAssignment("Where(t => t.Id == 4)")).toBe(false);
    expect(hasAssignment("\"a = b\".Length")).toBe(false);
    expect(hasAssignment("new { A = 1, B = new { C = 2 } }")).toBe(false);
    expect(hasAssignment("new { A = 1 = 2 }")).toBe(true);
    expect(hasAssignment("new { A = f(x = 2) }")).toBe(true);
  });
});

describe("isStackCommand and printsParameters", () => {
  it("knows the stack commands, with or without thread prefixes", () => {
    for (const c of ["k", "kb", "kv 20", "kn", "kP", "kc", "kf", "~*k", "~*kv", "~3kn", "~~[1a4]k", "~*e kv", "!uniqstack", "!process 0 7", "!thread", "!findstack ntdll", "!kdexts.thread ffffe001`23456080"]) {
      expect(isStackCommand(c), c).toBe(true);
    }
    for (const c of ["lm", "dps @rsp", ".ecxr", "!handle", "~", "~3s", "x ntdll!k*", "!runaway", "dx @$curstack"]) expect(isStackCommand(c), c).toBe(false);
  });

  it("knows when kp prints parameters after the function", () => {
    expect(printsParameters("kp")).toBe(true);
    expect(printsParameters("~*kP")).toBe(true);
    expect(printsParameters("kvn")).toBe(false);
    expect(printsParameters("!uniqstack")).toBe(false);
  });
});
