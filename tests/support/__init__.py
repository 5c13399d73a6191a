"""What the test modules share: helpers, data and page readers, one module per area. Test modules import from here
(fixtures come from conftest.py); no test module imports another test module or conftest."""
