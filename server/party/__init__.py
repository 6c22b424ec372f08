"""Party identity: a resident applies to be recognised as a party member; staff verify."""
