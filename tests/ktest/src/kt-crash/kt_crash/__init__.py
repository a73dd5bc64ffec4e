NAME = "kt_crash"
