/**
 * Thread-stack facts the user-target builder does not state (it names frames by symbol only): frames at
 * raw addresses (code without symbols, code outside every module), a stack the debugger cannot unwind
 * (Stack.Frames throws), and a thread with no frames at all. Each takes a built spec and returns a new one.
 */
import type { FrameSpec, TargetSpec, ThreadSpec } from "../../src/emulator/target-spec";

function patchThread(spec: TargetSpec, tid: number, patch: (t: ThreadSpec) => ThreadSpec): TargetSpec {
  let found = false;
  const processes = spec.processes.map((p) => ({
    ...p,
    threads: p.threads.map((t) => {
      if (t.id !== tid) return t;
      found = true;
      return patch(t);
    }),
  }));
  if (!found) throw new Error(`no thread 0x${tid.toString(16)} in the spec`);
  return { ...spec, processes };
}

/** Frames at these instruction addresses (frame 0 first), with stack offsets 0x40 apart from the thread's first frame's. */
export function withRawFrames(spec: TargetSpec, tid: number, ips: readonly bigint[]): TargetSpec {
  return patchThread(spec, tid, (t) => {
    const sp0 = t.frames?.[0]?.stackOffset ?? t.registers.rsp ?? t.registers.esp ?? t.registers.sp ?? 0n;
    const frames: FrameSpec[] = ips.map((ip, k) => ({ instructionOffset: ip, stackOffset: sp0 + BigInt(k * 0x40) }));
    return { ...t, frames };
  });
}

/** Reading the thread's `Stack.Frames` fails, as when the debugger cannot unwind it. */
export function withUnreadableStack(spec: TargetSpec, tid: number, message = "Unable to read the thread's stack"): TargetSpec {
  const failing = { [Symbol.iterator]: (): Iterator<FrameSpec> => { throw new Error(message); } } as unknown as readonly FrameSpec[];
  return patchThread(spec, tid, (t) => ({ ...t, frames: failing }));
}

/** No frames and no instruction or stack pointer (nothing for the debugger to unwind from). */
export function withNoFrames(spec: TargetSpec, tid: number): TargetSpec {
  return patchThread(spec, tid, (t) => {
    const registers: Record<string, bigint> = {};
    for (const [k, v] of Object.entries(t.registers)) if (!["rip", "rsp", "eip", "esp", "pc", "sp"].includes(k)) registers[k] = v;
    return { ...t, frames: [], registers };
  });
}
