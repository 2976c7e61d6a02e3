// Resident memory of a running Chromium, read from /proc (Linux): the browser process is found by
// its --user-data-dir, its descendants are grouped by --type (renderer, gpu-process, utility).
// The renderer holds the page and its dedicated workers (the engine's wasm heap lives there); the
// GPU process holds WebGPU buffers.
import { readFile, readdir } from 'node:fs/promises';

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
  rssBytes: number;
}

async function readProc(pid: number): Promise<Proc | null> {
  try {
    const [stat, cmd, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    // the command name (field 2) may contain spaces; ppid is the 2nd field after its closing paren
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { pid, ppid, cmdline: cmd.replace(/\0/g, ' '), rssBytes: rssKb * 1024 };
  } catch {
    return null; // exited meanwhile
  }
}

export interface ChromiumMemory {
  rendererBytes: number;
  gpuBytes: number;
  totalBytes: number;
}

/** Sum of resident memory per process type of the Chromium started with `userDataDir`. */
export async function chromiumMemory(userDataDir: string): Promise<ChromiumMemory | null> {
  const pids = (await readdir('/proc').catch(() => [] as string[]))
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
  const procs = (await Promise.all(pids.map(readProc))).filter((p): p is Proc => p !== null);
  const root = procs.find(
    (p) => p.cmdline.includes(`--user-data-dir=${userDataDir}`) && !p.cmdline.includes('--type='),
  );
  if (!root) return null;
  const tree = new Set([root.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  const mem: ChromiumMemory = { rendererBytes: 0, gpuBytes: 0, totalBytes: 0 };
  for (const p of procs) {
    if (!tree.has(p.pid)) continue;
    mem.totalBytes += p.rssBytes;
    if (p.cmdline.includes('--type=renderer')) mem.rendererBytes += p.rssBytes;
    else if (p.cmdline.includes('--type=gpu-process')) mem.gpuBytes += p.rssBytes;
  }
  return mem;
}
