// Which Python the project's syntax needs, and whether an interpreter is that new: the
// extension prefers an interpreter with caveat that can parse the project's code (caveat
// reads files with the grammar of the Python it runs on; older ones see newer syntax as
// an error and analyse nothing in that file). No `vscode` import: plain functions.
import * as cp from 'child_process';
import * as fs from 'fs';

export type Version = [number, number];

export function formatVersion(version: Version): string {
  return `${version[0]}.${version[1]}`;
}

export function atLeast(version: Version, needed: Version): boolean {
  return version[0] > needed[0] || (version[0] === needed[0] && version[1] >= needed[1]);
}

/** The lowest Python that `requires-python` in a pyproject.toml admits (`>=3.12,<4` -> 3.12). */
export function requiredPython(pyproject: string): Version | undefined {
  const spec = /^\s*requires-python\s*=\s*["']([^"']+)["']/m.exec(pyproject);
  if (!spec) {
    return undefined;
  }
  let lowest: Version | undefined;
  for (const clause of spec[1].split(',')) {
    const bound = /^\s*(>=|~=|==|>)\s*(\d+)\.(\d+)/.exec(clause);
    if (bound) {
      const version: Version = [Number(bound[2]), Number(bound[3])];
      if (!lowest || atLeast(version, lowest)) {
        lowest = version; // the tightest lower bound of the clauses
      }
    }
  }
  return lowest;
}

/** `requires-python` of the pyproject.toml at `file`, if there is one that says. */
export function projectPython(file: string): Version | undefined {
  try {
    return requiredPython(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The interpreter a `caveat` script runs on: its `#!` line (undefined for a binary launcher). */
export function scriptInterpreter(script: string): string | undefined {
  try {
    const head = fs.readFileSync(script).subarray(0, 512).toString('utf8');
    const shebang = /^#!\s*(\S+)/.exec(head);
    return shebang && !shebang[1].endsWith('/env') ? shebang[1] : undefined;
  } catch {
    return undefined;
  }
}

/** The major.minor version of an interpreter, by running it (undefined when it does not run). */
export function interpreterVersion(python: string): Promise<Version | undefined> {
  return new Promise((resolve) => {
    cp.execFile(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { timeout: 15000 },
      (err, stdout) => {
        const found = /^(\d+)\.(\d+)/.exec((stdout || '').trim());
        resolve(err || !found ? undefined : [Number(found[1]), Number(found[2])]);
      });
  });
}

/** The first candidate whose interpreter is at least `needed`; else the first one (with the reason
 * in `log`). Candidates are in order of preference; `interpreterOf` names each one's Python. */
export async function preferNewEnough<T>(candidates: T[], needed: Version | undefined,
  interpreterOf: (candidate: T) => string | undefined, describe: (candidate: T) => string,
  log: (msg: string) => void): Promise<T | undefined> {
  if (!needed || candidates.length <= 1) {
    return candidates[0];
  }
  const seen: string[] = [];
  for (const candidate of candidates) {
    const python = interpreterOf(candidate);
    const version = python ? await interpreterVersion(python) : undefined;
    if (version && atLeast(version, needed)) {
      return candidate;
    }
    seen.push(`${describe(candidate)}: Python ${version ? formatVersion(version) : 'unknown'}`);
  }
  log(`the project needs Python ${formatVersion(needed)} (requires-python), and no interpreter with caveat is that new ` +
    `(${seen.join('; ')}): files with newer syntax get one note and no analysis. Install caveat in a Python ` +
    `${formatVersion(needed)}+ environment, or set caveat.interpreter.`);
  return candidates[0];
}
