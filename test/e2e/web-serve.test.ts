// `buzon serve` with its web admin: the administration password set from the command line (as
// an option, or piped on standard input), the web admin line printed with its URL, a logon over
// HTTP against that process, and --no-web.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp-dir';
import { REPO_ROOT, buzonOk, runBuzon, startServe } from '../helpers/buzon-process';

function buzonWithStdin(dir: string, args: string[], input: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.NODE_TEST_CONTEXT;
    const p = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'buzon.mjs'), '--data', dir, ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout }));
    p.stdin.end(input);
  });
}

test('admin-password set, serve prints the web admin URL, a logon works against it; --no-web serves none', async () => {
  const tmp = tempDir('buzon-e2e-web-');
  try {
    const short = await runBuzon(tmp.path, ['admin-password', 'set', '--password', 'corta']);
    assert.equal(short.code, 2);
    assert.match(short.stderr, /password: at least 8 characters/);
    const piped = await buzonWithStdin(tmp.path, ['admin-password', 'set'], 'clave-por-stdin\n');
    assert.equal(piped.code, 0);
    assert.match(piped.stdout, /administration password set/);

    const { serve } = await startServe(tmp.path, ['--ephemeral-ports']);
    try {
      const line = await serve.waitForLine(/^ {2}web admin {2}(http:\/\/127\.0\.0\.1:\d+\/)$/);
      const base = line.match[1]!;
      const bad = await fetch(`${base}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"password":"otra-cosa"}' });
      assert.equal(bad.status, 401);
      const ok = await fetch(`${base}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"password":"clave-por-stdin"}' });
      assert.equal(ok.status, 200);
      assert.match(ok.headers.get('set-cookie') ?? '', /buzon_session=[^;]+; HttpOnly; SameSite=Strict/);
      assert.deepEqual(await serve.stop(), { code: 0, signal: null });
    } finally {
      await serve.kill();
    }
    await buzonOk(tmp.path, ['admin-password', 'set', '--password', 'otra-clave-9']);
    const { serve: noWeb } = await startServe(tmp.path, ['--ephemeral-ports', '--no-web']);
    try {
      assert.ok(!noWeb.output().includes('web admin'), noWeb.output());
      assert.deepEqual(await noWeb.stop(), { code: 0, signal: null });
    } finally {
      await noWeb.kill();
    }
  } finally {
    tmp.remove();
  }
});
