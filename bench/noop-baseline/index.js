// Registers nothing: what a `pulumi up` costs before any resource (CLI, plugins, Node, @pulumi/pulumi).
module.exports = {};
