package io.pvedeploy.proxmox;
