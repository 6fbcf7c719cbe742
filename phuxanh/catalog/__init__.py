"""The directives and the sourced theme catalog drawn from them."""
