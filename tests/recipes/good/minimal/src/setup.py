print('minimal')
