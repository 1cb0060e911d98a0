"""全流程追溯：the whole story of one proposal, from its posting to residents' evaluation."""
