"""User administration: the domain (`UserAdmin`) and its gRPC servicer."""
