package io.pvedeploy.sandbox;
