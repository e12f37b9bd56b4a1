# Argument handling shared by our firmware modules, as the C code's helpers do it:
# py/argcheck.c (mp_arg_parse_all, mp_arg_check_num_sig), py/obj.c (mp_obj_get_int,
# mp_get_buffer_raise), with their NORMAL-reporting error messages (MP@v1.27.0).
# It imports no other firmware module, so every module can use it.
_REQUIRED = object()


def _int(x):
    return range(x).stop  # mp_obj_get_int, with its TypeError for floats and strings


def _parse(args, kw, spec):
    # mp_arg_parse_all: spec is a tuple of (name, default, kw_only); default _REQUIRED.
    out = []
    used = 0
    for i, (name, default, kw_only) in enumerate(spec):
        if i < len(args):
            if kw_only:
                raise TypeError('extra positional arguments given')
            out.append(args[i])
        elif name in kw:
            used += 1
            out.append(kw[name])
        elif default is _REQUIRED:
            raise TypeError("'%s' argument required" % name)
        else:
            out.append(default)
    if len(args) > len(spec):
        raise TypeError('extra positional arguments given')
    if used < len(kw):
        raise TypeError('extra keyword arguments given')
    return out


def _check_num(n, lo, hi, kw):
    # mp_arg_check_num_sig
    if kw:
        raise TypeError("function doesn't take keyword arguments")
    if lo == hi and n != lo:
        raise TypeError('function takes %d positional arguments but %d were given' % (lo, n))
    if n < lo:
        raise TypeError('function missing %d required positional arguments' % (lo - n))
    if n > hi:
        raise TypeError('function expected at most %d arguments, got %d' % (hi, n))


def _rbytes(obj):
    # mp_get_buffer_raise(obj, MP_BUFFER_READ): the bytes of a str or a buffer-protocol object
    if type(obj) is str:
        return obj.encode()
    try:
        return bytes(memoryview(obj))
    except TypeError:
        raise TypeError('object with buffer protocol required')
