# Python 2 syntax: py-compile must keep this file as source
print "kiln"
