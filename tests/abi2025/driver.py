import os, time
import cabi, cxxabi

def check(name, got, want):
    print(("ok" if got == want else "FAIL"), name, repr(got) if got != want else "")


r = cabi.jump(40, 5)
check("longjmp value", r[0], 5)
check("longjmp frames kept", r[1], 40)
check("longjmp 1 frame", cabi.jump(1, 9)[0], 9)
check("time() vs time.time()", abs(cabi.now() - int(time.time())) <= 2, True)
with open("/tmp/abi2025.txt", "w") as f:
    f.write("x" * 1234)
os.utime("/tmp/abi2025.txt", (3000000000, 3000000000))  # after 2038: 64-bit time_t
st = os.stat("/tmp/abi2025.txt")
check("stat", cabi.stat("/tmp/abi2025.txt"), (1234, 3000000000, st.st_ino, st.st_mode & 0o777))
try:
    cabi.stat("/nonexistent")
    check("stat ENOENT", "no error", "OSError")
except FileNotFoundError:
    check("stat ENOENT", True, True)
check("wordcount", cxxabi.wordcount("b a c a b a"), "a:3 b:2 c:1")
check("to_int", cxxabi.to_int("1234"), 1234)
for bad, kind, msg in (("", ValueError, "caught: empty"), ("12x", ValueError, "caught: trailing: x"),
                       ("zz", ValueError, "caught: stoi: no conversion"), ("99999999999", OverflowError, "out of range")):
    try:
        cxxabi.to_int(bad)
        check("to_int " + repr(bad), "no exception", kind.__name__)
    except kind as e:
        check("to_int " + repr(bad), str(e), msg)
check("nested rethrow", cxxabi.nested(10), sum(i * 2 for i in range(10)))
print("done")
