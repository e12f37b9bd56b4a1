# The frozen `webrepl_setup` module (micropython-lib micropython/net/webrepl/webrepl_setup.py),
# written for the emulator from its behaviour (reference §5.5): importing it asks whether WebREPL
# should start on boot, asks for a 4-9 character password (twice) when enabling, writes
# ./webrepl_cfg.py (`PASS = '<pw>'`) and (un)comments the `import webrepl` / `webrepl.start()`
# lines of ./boot.py, then offers a reboot. Messages and prompts are the module's.
import sys
import os
import machine

RC = './boot.py'
CONFIG = './webrepl_cfg.py'


def _ask(prompt, allowed):
    while True:
        answer = input(prompt)
        if answer in allowed:
            return answer


def _new_password():
    while True:
        first = input('New password (4-9 chars): ')
        if not 4 <= len(first) <= 9:
            print('Invalid password length')
            continue
        if input('Confirm password: ') == first:
            return first
        print('Passwords do not match')


def _exists(name):
    try:
        os.stat(name)
        return True
    except OSError:
        return False


def _boot_status():
    # the first boot.py line that mentions webrepl decides: commented out is "disabled"
    with open(RC) as f:
        for line in f:
            if 'webrepl' in line:
                return not line.startswith('#')
    return None


def _set_boot(enable):
    wanted = ('import webrepl', 'webrepl.start()')
    seen = False
    with open(RC) as src, open(RC + '.tmp', 'w') as dst:
        for line in src:
            if any(w in line for w in wanted):
                seen = True
                if enable and line.startswith('#'):
                    line = line[1:]
                elif not enable and not line.startswith('#'):
                    line = '#' + line
            dst.write(line)
        if not seen:
            dst.write('import webrepl\nwebrepl.start()\n')
    os.remove(RC)
    os.rename(RC + '.tmp', RC)


def main():
    status = _boot_status()
    print('WebREPL daemon auto-start status:', 'enabled' if status else 'disabled')
    print('\nWould you like to (E)nable or (D)isable it running on boot?')
    print('(Empty line to quit)')
    choice = input('> ').upper()
    if choice == 'E':
        if _exists(CONFIG):
            change = _ask('Would you like to change WebREPL password? (y/n) ', ('y', 'n', ''))
        else:
            print('To enable WebREPL, you must set password for it')
            change = 'y'
        if change == 'y':
            pw = _new_password()
            with open(CONFIG, 'w') as f:
                f.write('PASS = %r\n' % pw)
    if choice not in ('D', 'E') or (choice == 'D' and not status) or (choice == 'E' and status):
        print('No further action required')
        sys.exit()
    _set_boot(choice == 'E')
    print('Changes will be activated after reboot')
    if _ask('Would you like to reboot now? (y/n) ', ('y', 'n', '')) == 'y':
        machine.reset()
