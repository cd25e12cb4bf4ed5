package com.acme;

public class OrdersApplication {
}
