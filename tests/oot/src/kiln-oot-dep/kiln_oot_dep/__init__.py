VALUE = "dep"
