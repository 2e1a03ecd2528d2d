"""Write path: load files, parse their structure into units, embed and store them."""
