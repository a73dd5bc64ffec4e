import kt_pure
DOUBLE = kt_pure.VALUE * 2
