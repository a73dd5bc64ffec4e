SPEED = False
