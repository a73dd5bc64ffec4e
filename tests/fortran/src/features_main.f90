program features_main
  use shapes, only: run_features
  call run_features()
end program
