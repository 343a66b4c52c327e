int attnkit_isa_dispatch_link_inner() { return 0; }
