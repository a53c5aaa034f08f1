"""What Atlas hands to others: the microdata.no export (`atlas export microdata`) and the HTML
report (`atlas report`). Both read the marts only."""
