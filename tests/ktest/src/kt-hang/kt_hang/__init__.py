NAME = "kt_hang"
