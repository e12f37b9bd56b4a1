import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from './node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => { board?.dispose(); board = null; });

async function runProg(code: string, timeout = 30000): Promise<string> {
  board = await TestBoard.boot();
  board.since();
  await board.host.run(code);
  await board.waitUntil(() => { const r = board!.recent; return r.includes('paste mode') && r.endsWith('>>> ') && r.lastIndexOf('=== ') < r.lastIndexOf('>>> '); }, timeout);
  const out = board.recent;
  console.log('=====\n' + code + '\n-----\n' + out);
  return out;
}

const EX1 = `import gc

gc.collect()
before = gc.mem_free()
buf = bytearray(1000)
after = gc.mem_free()
print('free before:', before)
print('free after: ', after)
print('cost:', before - after, 'bytes')
`;

const EX1b = `import gc

def cost(make):
    gc.collect()
    before = gc.mem_free()
    obj = make()
    used = before - gc.mem_free()
    return used

print('small int   ', cost(lambda: 7))
print('float       ', cost(lambda: 1.5))
print('tiny string ', cost(lambda: 'a' + str(1)))
print('bytearray(1)', cost(lambda: bytearray(1)))
print('bytearray(100)', cost(lambda: bytearray(100)))
print('list of 100 ', cost(lambda: [0] * 100))
print('str 100     ', cost(lambda: 'x' * 100))
print('dict 10     ', cost(lambda: {i: i for i in range(10)}))
`;

const EX2 = `import gc

try:
    big = bytearray(40000)
except MemoryError as e:
    print('did not fit:', e)
    gc.collect()
    big = bytearray(gc.mem_free() // 2)
print('got', len(big), 'bytes instead')
`;

const EX3 = `import gc

def new_reading(n):
    return bytes([(n + i) & 0xFF for i in range(32)])

def read_into(buf, n):
    for i in range(len(buf)):
        buf[i] = (n + i) & 0xFF

buf = bytearray(32)
gc.collect()
gc.disable()

start = gc.mem_free()
for n in range(50):
    data = new_reading(n)
print('new object each time:', start - gc.mem_free(), 'bytes')

gc.collect()
start = gc.mem_free()
for n in range(50):
    read_into(buf, n)
print('one reused buffer:', start - gc.mem_free(), 'bytes')

gc.enable()
`;

const SOL = `import gc

items = []
try:
    while True:
        items.append(bytearray(100))
except MemoryError as e:
    print('MemoryError:', e)
print(len(items), 'items, free:', gc.mem_free())

items = None
gc.collect()
print('free now:', gc.mem_free())
if gc.mem_free() > 30000:
    print('free again')
`;

const EX3B = `import gc

buf = bytearray(200)        # made once, before the loop
view = memoryview(buf)

def read_into(b, seed):
    # stands in for a real readinto(): fills the buffer it is given
    for i in range(len(b)):
        b[i] = (seed + i) & 0xFF
    return len(b)

for seed in range(3):
    n = read_into(buf, seed)
    gc.collect()
    print('reading', seed, 'sum', sum(view[:n]), 'free', gc.mem_free())

gc.collect()
before = gc.mem_free()
part = buf[:100]            # slicing a bytearray copies
print('copy of 100 bytes:', before - gc.mem_free())

part = None
gc.collect()
before = gc.mem_free()
part = view[:100]           # slicing a memoryview shares
print('view of 100 bytes:', before - gc.mem_free())
`;
const GARB = `import time
t = time.ticks_ms()
for i in range(10000):
    s = str(i) * 5
print('done', s, time.ticks_diff(time.ticks_ms(), t))
`;
const CONST = `from micropython import const
_LED = const(13)
LED2 = const(13)
print(_LED, LED2)
print(sorted(k for k in globals() if 'LED' in k))
print(sum(x * x for x in range(1000)))
`;

describe('living', () => {
  it('ex1', async () => { await runProg(EX1); });
  it('ex1b', async () => { await runProg(EX1b); });
  it('ex2', async () => { await runProg(EX2); });
  it('ex3', async () => { await runProg(EX3); });
  it('sol', async () => { const o = await runProg(SOL); expect(o).toContain('free again'); });
  it('ex3b', async () => { await runProg(EX3B); });
  it('garb', async () => { await runProg(GARB); });
  it('const', async () => { await runProg(CONST); });
  it('grow', async () => {
    board = await TestBoard.boot();
    await board.line('import gc');
    await board.line('l = []');
    board.type('while True: l.append(bytearray(100))\r\r');
    await board.waitFor(/MemoryError[^\n]*\r\n>>> $/, 20000);
    console.log(JSON.stringify(board.recent));
    for (const l of ['len(l)', 'gc.mem_free()', 'l = None', 'gc.collect()', 'gc.mem_free()'])
      console.log(JSON.stringify(await board.line(l)));
  });
  it('repl', async () => {
    board = await TestBoard.boot();
    for (const l of ['import gc, micropython', 'gc.mem_free()', 'gc.mem_alloc()', 'gc.threshold()', 'micropython.mem_info()', 'b = bytearray(30000)', 'gc.mem_free()', 'micropython.mem_info()', 'b = None', 'gc.collect()', 'gc.mem_free()', 'x = 5', 'gc.mem_free()'])
      console.log(JSON.stringify(await board.line(l)));
  });
});
