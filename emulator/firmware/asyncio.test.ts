/**
 * `asyncio` of the 4 MB board (firmware/python/_fw_asyncio.py over the wasm build's C `_asyncio`),
 * against its documentation, MP@v1.28.0 docs/library/asyncio.rst (sections cited per case as
 * "asyncio.rst § …"), and the board's behaviour: the frozen package's frames read
 * `File "asyncio/core.py", line 1` (opt level 3, extmod/asyncio/manifest.py), the default
 * exception handler's three parts, `Loop` being the one loop class.
 * Boards run in `instant` sleep mode unless a case needs host time: virtual times are exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONNECT, error, out } from '../node/net-helpers.ts';
import { TestBoard, type TestBoardOptions } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});
/**
 * A board in `instant` sleep mode with the realistic-speed clock unless told: running code then
 * takes the ESP8266's time for the work it does (counted, not the host's time, which a loaded
 * machine stretches), about 1 ms per task switch here. Its boot may take long under load.
 */
async function boot(opts: TestBoardOptions = {}): Promise<TestBoard> {
  board = await TestBoard.boot({ sleepMode: 'instant', realisticSpeed: true, ...opts }, 30_000);
  return board;
}
/** A board whose sleeps take host time. */
function realtimeBoard(): Promise<TestBoard> {
  return boot({ sleepMode: 'realtime', realisticSpeed: false });
}

/**
 * Ticks since t0 to the nearest 100 ms. Sleeps add exactly their time in `instant` mode and the
 * code between them its ESP8266 time (see boot()), so the schedules below are in steps of 100 ms
 * and a reading may run up to 49 ms late. The lazily loaded parts are loaded before t0.
 */
const STAMP = `import asyncio, time
asyncio.Event, asyncio.gather, asyncio.Lock
t0 = time.ticks_ms()
def at():
    return (time.ticks_diff(time.ticks_ms(), t0) + 50) // 100 * 100`;

describe('asyncio: tasks and sleeping on the board clock', () => {
  it('imports as the frozen package (not the wasm build\'s browser asyncio), and as uasyncio', async () => {
    const b = await boot();
    const o = await out(b, `import asyncio, uasyncio, sys
print(asyncio, asyncio.__version__, 'asyncio' in sys.modules)
print(uasyncio.sleep_ms is asyncio.sleep_ms, asyncio.StreamReader is asyncio.StreamWriter)
print(asyncio.get_event_loop(), asyncio.CancelledError.__bases__, asyncio.TimeoutError.__bases__)
# the package's parts: core with it, event … once one of their names is used (stream above), or imported
print(sorted(k for k in sys.modules if k.startswith('asyncio')), asyncio.core.cur_task)
import asyncio.lock
from asyncio.event import Event
print(sorted(k for k in sys.modules if k.startswith('asyncio')), Event is asyncio.Event, asyncio.lock.Lock is asyncio.Lock)
try:
    import asyncio.task
except ImportError as e:
    print(e)`);
    expect(o).toBe(`<module 'asyncio'> (3, 0, 0) True
True True
<class 'Loop'> (<class 'BaseException'>,) (<class 'Exception'>,)
['asyncio', 'asyncio.core', 'asyncio.stream'] None
['asyncio', 'asyncio.core', 'asyncio.event', 'asyncio.lock', 'asyncio.stream'] True True
no module named 'asyncio.task'
`);
  });

  it('two tasks interleave at their sleep_ms times; run() returns main\'s value (§ Core functions)', async () => {
    // the docs' blink example with a print for the LED: 700 ms and 400 ms periods
    const b = await boot();
    const o = await out(b, `${STAMP}
async def blink(name, period_ms):
    while True:
        print(name, 'on', at())
        await asyncio.sleep_ms(period_ms)
async def main():
    asyncio.create_task(blink('led1', 700))
    asyncio.create_task(blink('led2', 400))
    await asyncio.sleep_ms(1500)
    return 'done'
print(asyncio.run(main()), at())`);
    expect(o).toBe(`led1 on 0
led2 on 0
led2 on 400
led1 on 700
led2 on 800
led2 on 1200
led1 on 1400
done 1500
`);
  });

  it('sleep(t) takes seconds (a float too); sleep objects are not coroutines: create_task refuses them', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
async def main():
    await asyncio.sleep(0.3)
    print(at())
    await asyncio.sleep(2)
    print(at())
asyncio.run(main())
try:
    asyncio.run(asyncio.sleep_ms(10))
except TypeError as e:
    print(repr(e))`);
    expect(o).toBe("300\n2300\nTypeError('coroutine expected',)\n");
  });

  it('an exception ends run() with the frozen package\'s frames (opt level 3: line 1)', async () => {
    const b = await boot();
    const r = await b.exec(`import asyncio
async def main():
    await asyncio.sleep_ms(10)
    raise ValueError('boom')
asyncio.run(main())`);
    expect(r.err).toBe(`Traceback (most recent call last):\r
  File "<stdin>", line 5, in <module>\r
  File "asyncio/core.py", line 1, in run\r
  File "asyncio/core.py", line 1, in run_until_complete\r
  File "asyncio/core.py", line 1, in run_until_complete\r
  File "<stdin>", line 4, in main\r
ValueError: boom\r
`);
  });

  it('current_task() inside a task, RuntimeError outside the loop (§ Core functions)', async () => {
    const b = await boot();
    const o = await out(b, `import asyncio
async def main():
    t = asyncio.current_task()
    return t, t.done()
t, d = asyncio.run(main())
print(t, d, t.done())
try:
    asyncio.current_task()
except RuntimeError as e:
    print(repr(e))`);
    expect(o).toBe("<Task> False True\nRuntimeError('no running event loop',)\n");
  });
});

describe('asyncio: gather, wait_for, cancel (§ Additional functions, § class Task)', () => {
  it('gather returns the values in order after the longest; return_exceptions gives the exception in its place', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
async def after(ms, v):
    await asyncio.sleep_ms(ms)
    if isinstance(v, Exception):
        raise v
    return v
async def main():
    print(await asyncio.gather(after(300, 'a'), after(100, 'b'), after(200, 'c')), at())
    print(await asyncio.gather(after(200, 1), after(100, OSError(5)), return_exceptions=True), at())
    try:
        await asyncio.gather(after(200, 1), after(100, KeyError('k')))
    except KeyError as e:
        print('raised', repr(e), at())
    print(await asyncio.gather())
asyncio.run(main())`);
    expect(o).toBe(`['a', 'b', 'c'] 300
[1, OSError(5,)] 500
raised KeyError('k',) 600
[]
`);
  });

  it('wait_for: the value in time; on timeout the task gets CancelledError and the caller TimeoutError', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
async def work(ms):
    try:
        await asyncio.sleep_ms(ms)
        return ms
    except asyncio.CancelledError:
        print('work cancelled', at())
        raise
async def main():
    print(await asyncio.wait_for(work(200), 1), at())
    print(await asyncio.wait_for_ms(work(100), 500), at())
    try:
        await asyncio.wait_for(work(5000), 1)
    except asyncio.TimeoutError as e:
        print('timeout', repr(e), at())
    try:
        await asyncio.wait_for_ms(work(5000), 300)
    except asyncio.TimeoutError:
        print('timeout', at())
    print(await asyncio.wait_for(work(10), None))
asyncio.run(main())`);
    expect(o).toBe(`200 200
100 300
work cancelled 1300
timeout TimeoutError() 1300
work cancelled 1600
timeout 1600
10
`);
  });

  it('Task.cancel() injects CancelledError; try/finally runs; a task cannot cancel itself', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
async def sleeper():
    try:
        await asyncio.sleep(60)
    finally:
        print('cleanup', at())
async def stubborn():
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        print('ignored')
    return 'kept going'
async def main():
    t = asyncio.create_task(sleeper())
    await asyncio.sleep_ms(100)
    print(t.cancel(), t.done())
    try:
        await t
    except asyncio.CancelledError:
        print('awaiting it raised CancelledError', t.done(), t.cancel())
    s = asyncio.create_task(stubborn())
    await asyncio.sleep_ms(10)
    s.cancel()
    print(await s)
    try:
        asyncio.current_task().cancel()
    except RuntimeError as e:
        print(repr(e))
asyncio.run(main())`);
    expect(o).toBe(`True False
cleanup 100
awaiting it raised CancelledError True False
ignored
kept going
RuntimeError("can't cancel self",)
`);
  });
});

describe('asyncio: cancelling a gather or a wait_for (§ gather, § wait_for, § Task.cancel)', () => {
  it('a cancelled gather cancels the tasks it waits for; a cancelled wait_for cancels its awaitable', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
async def work(name, ms):
    try:
        await asyncio.sleep_ms(ms)
        return name
    except asyncio.CancelledError:
        print(name, 'cancelled', at())
        raise
async def main():
    g = asyncio.create_task(asyncio.gather(work('x', 1000), work('y', 2000)))
    await asyncio.sleep_ms(300)
    g.cancel()
    try:
        await g
    except asyncio.CancelledError:
        print('gather cancelled', at())
    w = asyncio.create_task(asyncio.wait_for(work('z', 5000), 2))
    await asyncio.sleep_ms(200)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        print('wait_for cancelled', at())
asyncio.run(main())`);
    expect(o).toBe('x cancelled 300\ny cancelled 300\ngather cancelled 300\nz cancelled 500\nwait_for cancelled 500\n');
  });
});

describe('asyncio: Event, ThreadSafeFlag, Lock (§ class Event, § class ThreadSafeFlag, § class Lock)', () => {
  it('Event: waiters run when it is set; wait() on a set event returns at once', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
ev = asyncio.Event()
async def waiter(i):
    print('waiter', i, await ev.wait(), at())
async def main():
    for i in range(3):
        asyncio.create_task(waiter(i))
    await asyncio.sleep_ms(300)
    print(ev.is_set())
    ev.set()
    await asyncio.sleep_ms(0)
    print(ev.is_set(), await ev.wait())
    ev.clear()
    print(ev.is_set())
asyncio.run(main())`);
    expect(o).toBe('False\nwaiter 0 True 300\nwaiter 1 True 300\nwaiter 2 True 300\nTrue True\nFalse\n');
  });

  it('ThreadSafeFlag: set() from a machine.Timer callback wakes the waiting task at the timer\'s time', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
from machine import Timer
flag = asyncio.ThreadSafeFlag()
tim = Timer(-1)
tim.init(period=300, mode=Timer.ONE_SHOT, callback=lambda t: flag.set())
t0 = time.ticks_ms()  # the timer runs from here
async def main():
    await flag.wait()
    print('flag', at())
    flag.set()
    await flag.wait()  # set already: returns at once, and clears it
    print('again', at())
    try:
        await asyncio.wait_for_ms(flag.wait(), 100)
    except asyncio.TimeoutError:
        print('cleared', at())
asyncio.run(main())`);
    expect(o).toBe('flag 300\nagain 300\ncleared 400\n');
  });

  it('Lock: one holder at a time, in order, with async with; release() when unlocked is RuntimeError', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
lock = asyncio.Lock()
async def user(i):
    async with lock:
        print('holds', i, at(), lock.locked())
        await asyncio.sleep_ms(100)
async def main():
    await asyncio.gather(user(1), user(2), user(3))
    print(lock.locked(), at())
    try:
        lock.release()
    except RuntimeError as e:
        print(repr(e))
asyncio.run(main())`);
    expect(o).toBe("holds 1 0 True\nholds 2 100 True\nholds 3 200 True\nFalse 300\nRuntimeError('Lock not acquired',)\n");
  });
});

describe('asyncio: the loop and its exception handler (§ Event Loop)', () => {
  it("a task's exception nobody awaited: the default handler prints \"Task exception wasn't retrieved\"", async () => {
    const b = await boot();
    const r = await b.exec(`import asyncio
async def bad():
    raise OSError(110)  # the esp8266 build names errnos: [Errno 110] ETIMEDOUT
async def main():
    asyncio.create_task(bad())
    await asyncio.sleep_ms(10)
    print('main goes on')
asyncio.run(main())`);
    const text = (r.out + r.err).replace(/at [0-9a-f]+>/, 'at ADDR>');
    expect(text).toBe(`Task exception wasn't retrieved\r
future: <Task> coro= <generator object 'bad' at ADDR>\r
Traceback (most recent call last):\r
  File "asyncio/core.py", line 1, in run_until_complete\r
  File "<stdin>", line 3, in bad\r
OSError: [Errno 110] ETIMEDOUT\r
main goes on\r
`);
  });

  it('set_exception_handler gets (loop, context) with message, exception, future; an awaited exception is not reported', async () => {
    const b = await boot();
    const o = await out(b, `import asyncio
async def bad():
    raise ValueError('x')
def handler(loop, ctx):
    print('handler', loop is asyncio.get_event_loop(), ctx['message'], repr(ctx['exception']), ctx['future'].done())
loop = asyncio.get_event_loop()
print(loop.get_exception_handler())
loop.set_exception_handler(handler)
print(loop.get_exception_handler() is handler)
async def main():
    asyncio.create_task(bad())
    t = asyncio.create_task(bad())
    try:
        await t
    except ValueError:
        print('retrieved')
    await asyncio.sleep_ms(1)
asyncio.run(main())
loop.set_exception_handler(None)`);
    // the first bad() ended unawaited: queued again, at the same tick as main (woken by the
    // second): the C TaskQueue gives it its turn first, so the handler prints before 'retrieved'
    expect(o).toBe("None\nTrue\nhandler True Task exception wasn't retrieved ValueError('x',) True\nretrieved\n");
  });

  it('run() keeps the loop: tasks left by an ended run go on in the next, until new_event_loop()', async () => {
    // the one loop (§ Event Loop: new_event_loop "just resets the loop's state"); run() does not
    const b = await boot();
    const o = await out(b, `${STAMP}
async def forever():
    while True:
        print('tick', at())
        await asyncio.sleep_ms(100)
async def main():
    asyncio.create_task(forever())
    await asyncio.sleep_ms(250)
    raise ValueError('main ends')
try:
    asyncio.run(main())
except ValueError as e:
    print(e, at())
async def other():
    await asyncio.sleep_ms(180)
    print('other done', at())
asyncio.run(other())
asyncio.new_event_loop()
asyncio.run(other())`);
    expect(o).toBe('tick 0\ntick 100\ntick 200\nmain ends 300\ntick 300\ntick 400\nother done 400\nother done 600\n');
  });

  it('run_forever until stop(), run_until_complete, new_event_loop drops the old tasks, close()', async () => {
    const b = await boot();
    const o = await out(b, `${STAMP}
loop = asyncio.get_event_loop()
async def ticker():
    for i in range(3):
        await asyncio.sleep_ms(100)
        print('tick', i, at())
    loop.stop()
async def value():
    await asyncio.sleep_ms(200)
    return 42
loop.create_task(ticker())
loop.run_forever()
print(loop.run_until_complete(value()), at())
async def forgotten():
    print('never runs')
asyncio.create_task(forgotten())
print(asyncio.new_event_loop() is loop)
print(loop.run_until_complete(value()))
loop.close()`);
    expect(o).toBe('tick 0 100\ntick 1 200\ntick 2 300\n42 500\nTrue\n42\n');
  });
});

describe('asyncio: TCP streams over the virtual network (§ TCP stream connections)', () => {
  it('start_server: the laptop\'s HTTP request reaches the handler, its reply comes back', async () => {
    const b = await boot();
    await out(b, CONNECT);
    const run = b.exec(`import asyncio
done = asyncio.Event()
async def handle(reader, writer):
    request = await reader.readline()
    print('request', request, writer.get_extra_info('peername'))
    while (await reader.readline()) != b'\\r\\n':
        pass
    writer.write(b'HTTP/1.0 200 OK\\r\\n\\r\\nasyncio says hi')
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    done.set()
async def main():
    server = await asyncio.start_server(handle, '0.0.0.0', 80)
    print('listening')
    await done.wait()
    server.close()
    await server.wait_closed()
    print('closed')
asyncio.run(main())`, 30000);
    await b.waitUntil(() => b.recent.includes('listening'), 20000);
    const reply = await b.host.laptopFetch('http://192.168.1.23/led?on');
    expect(reply.error).toBeNull();
    expect(reply.response).toBe('HTTP/1.0 200 OK\r\n\r\nasyncio says hi');
    const r = await run;
    expect(r.err).toBe('');
    expect(r.out).toBe("listening\r\nrequest b'GET /led?on HTTP/1.1\\r\\n' ('192.168.1.10', 51234)\r\nclosed\r\n");
    // the server's socket is closed: the port refuses now
    expect((await b.host.laptopFetch('http://192.168.1.23/')).error).toBe('refused');
  });

  it('open_connection to the echo host: readline, readexactly, read, readinto; a refused port is ECONNRESET at the first read, an unknown name OSError -2', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import asyncio
async def main():
    reader, writer = await asyncio.open_connection('203.0.113.7', 7)
    writer.write(b'hello\\n')
    await writer.drain()
    print(await reader.readline())
    writer.write(b'abcdefgh')
    await writer.drain()
    print(await reader.readexactly(3), await reader.read(2))
    buf = bytearray(8)
    n = await reader.readinto(buf)
    print(n, buf[:n])
    await writer.awrite(b'xyz')
    print(await reader.read(3))
    await writer.wait_closed()
    # the connect does not wait (EINPROGRESS): a refused port shows at the first read (ECONNRESET)
    reader, writer = await asyncio.open_connection('203.0.113.7', 9)
    try:
        await reader.read(10)
    except OSError as e:
        print('refused', e.errno)
    try:
        await asyncio.open_connection('no.such.host', 80)
    except OSError as e:
        print('unresolved', e.errno)
asyncio.run(main())`);
    expect(o).toBe("b'hello\\n'\nb'abc' b'de'\n3 bytearray(b'fgh')\nb'xyz'\nrefused 104\nunresolved -2\n");
  });
});

describe('asyncio: a write larger than the socket takes at once', () => {
  it('write() keeps what did not fit in out_buf; drain() sends it as the echo host reads', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import asyncio
async def main():
    reader, writer = await asyncio.open_connection('203.0.113.7', 7)
    data = bytes(range(256)) * 16
    echo = asyncio.create_task(reader.readexactly(len(data)))
    writer.write(data)
    print('waiting in out_buf', len(writer.out_buf) > 0)
    await writer.drain()
    print('drained', len(writer.out_buf))
    print((await echo) == data)
    await writer.wait_closed()
asyncio.run(main())`);
    expect(o).toBe('waiting in out_buf True\ndrained 0\nTrue\n');
  });
});

describe('asyncio: TLS streams (§ TCP stream connections: ssl=True)', () => {
  it('open_connection(ssl=True) to an https host: the handshake at the first write, then the reply', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import asyncio
async def main():
    reader, writer = await asyncio.open_connection('example.com', 443, ssl=True)
    writer.write(b'GET / HTTP/1.0\\r\\nHost: example.com\\r\\n\\r\\n')
    await writer.drain()
    print(await reader.readline())
    await writer.wait_closed()
asyncio.run(main())`);
    expect(o).toBe("b'HTTP/1.1 200 OK\\r\\n'\n");
  });
});

describe('asyncio: interrupts and the clock controls', () => {
  it('Ctrl-C stops asyncio.run while it sleeps, with the board\'s frames', async () => {
    const b = await realtimeBoard();
    await b.line('import asyncio');
    await b.line('async def main():\r await asyncio.sleep(60)\r', '>>> ');
    b.type('asyncio.run(main())\r');
    await new Promise((r) => setTimeout(r, 400));
    b.host.write('\x03');
    await b.waitFor('KeyboardInterrupt: \r\n>>> ', 5000);
    expect(b.recent).toBe(`asyncio.run(main())\r
Traceback (most recent call last):\r
  File "<stdin>", line 1, in <module>\r
  File "asyncio/core.py", line 1, in run\r
  File "asyncio/core.py", line 1, in run_until_complete\r
  File "asyncio/core.py", line 1, in wait_io_event\r
KeyboardInterrupt: \r
>>> `);
  });

  it('a paused clock holds an asyncio sleep; a jump forward ends a long one at once', async () => {
    const b = await realtimeBoard();
    await b.line('import asyncio, time');
    await b.line('async def nap(ms):\r await asyncio.sleep_ms(ms)\r print("woke")\r', '>>> ');
    b.host.setClockRate(0);
    b.type('asyncio.run(nap(100))\r');
    await new Promise((r) => setTimeout(r, 600));
    expect(b.recent).not.toContain('woke');
    b.host.setClockRate(1);
    await b.waitFor('woke\r\n>>> ', 5000);
    const t = Date.now();
    b.type('asyncio.run(nap(600_000))\r');
    await new Promise((r) => setTimeout(r, 200));
    b.host.jumpClock(600_000);
    await b.waitFor('woke\r\n>>> ', 5000);
    expect(Date.now() - t).toBeLessThan(4000);
  });
});

describe('asyncio: which builds have it', () => {
  it('v1.27.0 runs it on its own wasm build\'s _asyncio too', async () => {
    const b = await boot({ release: '1.27.0' });
    const o = await out(b, `${STAMP}
import sys
async def job(ms):
    await asyncio.sleep_ms(ms)
    return ms
async def main():
    return await asyncio.gather(job(200), asyncio.wait_for_ms(job(100), 150))
print(sys.implementation.version[:2], asyncio.run(main()), at())`);
    expect(o).toBe('(1, 27) [200, 100] 200\n');
  });

  it('the 512 KB build has no _asyncio either (MICROPY_PY_ASYNCIO 0 in its mpconfigboard.h)', async () => {
    const b = await boot({ flashSize: '512K' });
    expect(await error(b, 'import _asyncio')).toBe("ImportError: no module named '_asyncio'");
    expect(await error(b, 'import asyncio')).toBe("ImportError: no module named 'asyncio'");
  });

  it('the 1 MB build freezes no asyncio (manifest_2MiB.py only): ImportError, not the wasm\'s js error', async () => {
    const b = await boot({ flashSize: '1M' });
    expect(await error(b, 'import asyncio')).toBe("ImportError: no module named 'asyncio'");
    expect(await error(b, 'import uasyncio')).toBe("ImportError: no module named 'uasyncio'");
  });
});
