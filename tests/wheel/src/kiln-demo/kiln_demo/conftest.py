# pytest configuration: unvendored with the tests
