NAME = "kt_raises"
