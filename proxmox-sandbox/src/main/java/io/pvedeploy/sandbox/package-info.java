/**
 * A stateful stand-in for the Proxmox VE API: {@link io.pvedeploy.sandbox.Sandbox} in process,
 * {@link io.pvedeploy.sandbox.SandboxMain} standalone, {@link io.pvedeploy.sandbox.Faults} to make
 * it misbehave on purpose.
 */
package io.pvedeploy.sandbox;
