raise ImportError("kt_badimport refuses to be imported")
